from romareact.cli import cli

# Guarded: crawler processes started with "spawn" import this module again.
if __name__ == "__main__":
    cli()
