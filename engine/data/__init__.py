"""Data in: the `Dataset` type, generators and bundled sets, and tables read from files, decoded, typed and cleaned."""
