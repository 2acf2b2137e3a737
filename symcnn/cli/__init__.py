"""The ``symcnn`` command line: one module per subcommand."""
