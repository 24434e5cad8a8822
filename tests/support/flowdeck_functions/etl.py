"""Library functions used by flowdeck's render tests (the sample functions of
flowdeck::model::sample plus `anything`). Copied into a temporary dags folder as
flowdeck_functions/etl.py."""


def extract(day, limit=100, region=None):
    rows = list(range(int(limit) if limit is not None else 3))
    return {"rows": rows, "total": len(rows), "day": day, "region": region}


def load(rows, total=0, options=None):
    return {"loaded": len(rows) if rows else 0, "total": total, "options": options}


def anything(**kwargs):
    return kwargs
