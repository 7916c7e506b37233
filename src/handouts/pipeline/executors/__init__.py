"""How the planned jobs are run: in this process, in a pool of local workers, or on a Dask cluster."""
