"""Pure logic over API objects: no client, no click, no rendering."""
