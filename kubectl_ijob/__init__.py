"""kubectl-ijob: Indexed Jobs whose pods find and talk to each other."""

__version__ = "0.1.0"
