"""The source port: what a source of observations is (port.py) and the bounded mailbox every source writes into
(mailbox.py). The simulation's source lives in tui/sim/, the cluster's in tui/cluster/."""
