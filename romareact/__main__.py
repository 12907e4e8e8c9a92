from romareact.cli import cli

cli()
