"""``python -m simulation``: the govsim command.

The guard matters: spawned worker processes import this module again (as
``__mp_main__``) and must not start another command.
"""

from simulation.cli import main

if __name__ == "__main__":
    main()
