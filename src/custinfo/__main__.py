"""`python -m custinfo` runs the CLI."""

from custinfo.cli.main import main

if __name__ == "__main__":
    main()
