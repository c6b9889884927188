# Plausible wrong solution: retries every 4xx/5xx error (including 400 and 401) and ignores
# Retry-After. Passes the visible tests only.
RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


def retry_delay(status, attempt, retry_after=None, base=1.0, cap=30.0, max_attempts=5):
    if attempt >= max_attempts:
        return None
    return float(min(cap, base * 2 ** (attempt - 1)))
