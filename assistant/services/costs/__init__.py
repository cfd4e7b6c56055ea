"""What X costs the team: the shared ledger, estimates measured before a job, the monthly budget, reports."""
