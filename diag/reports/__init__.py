"""What diag hands over: charts and the support-ticket bundle's file formats."""
