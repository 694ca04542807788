"""`python -m kubectl_ijob` runs the plugin."""
from kubectl_ijob.cli import main

main()
