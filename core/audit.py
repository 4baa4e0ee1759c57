def redact(value: str) -> str:
    """Mask for audit diffs: nothing of the value survives, not even its length."""
    return "[redacted]"
