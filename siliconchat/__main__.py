from siliconchat.cli import run

run()
