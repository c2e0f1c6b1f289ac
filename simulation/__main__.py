"""``python -m simulation``: the govsim command.

The guard matters: worker processes started with spawn (or a fork server that
preloads ``__main__``) import this module again (as ``__mp_main__``) and must not
start another command.
"""

from simulation.cli import main

if __name__ == "__main__":
    main()
