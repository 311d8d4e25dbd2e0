"""What people use: the notebook panels (widgets), the command line, the ticket workflow."""
