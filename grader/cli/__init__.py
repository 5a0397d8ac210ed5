"""The command line: one module per subcommand, thin over grader.api and the tools."""
