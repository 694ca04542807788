"""`python -m kubectl_ijob` runs the plugin."""
from kubectl_ijob.app import main

main()
