"""Example UDFs for flowdeck's quick start: yesterday's sales, loaded into a warehouse."""


def extract(day, limit=100, region=None):
    """Pull the day's sales for a region."""
    rows = [{"id": i, "region": region, "amount": 10 * i} for i in range(1, 4)][:limit]
    print(f"extracted {len(rows)} rows for {day} ({region})")
    return {"rows": rows, "total": sum(r["amount"] for r in rows)}


def load(rows, total=0, options=None):
    """Write the rows (here: print them) and report how many were loaded."""
    mode = (options or {}).get("mode", "append")
    print(f"loading {len(rows)} rows worth {total} in {mode} mode")
    return len(rows)
