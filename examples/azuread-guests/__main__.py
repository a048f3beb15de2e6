"""Entry point: see program.py."""

from program import main

main()
