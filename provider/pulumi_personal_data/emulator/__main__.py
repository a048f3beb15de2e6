"""Entry point for ``python -m pulumi_personal_data.emulator``."""

from .cli import main

if __name__ == "__main__":
    main()
