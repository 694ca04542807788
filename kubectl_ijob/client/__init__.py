"""The only package that talks HTTP: kubeconfig and proxies (config), REST (transport),
exec (exec), the typed errors (errors) and the Protocol every client and fake implements."""
