from logsieve.cli import main

main()
