#!/usr/bin/env python3
"""Validate an OpenMetrics 1.0.0 text exposition.

Usage: check-openmetrics.py [FILE]      (reads stdin without FILE, or with "-")

Parses the exposition with prometheus_client's strict OpenMetrics parser (which rejects a
missing "# EOF", text after it, blank lines, bad escaping, counters without _total, ...) and
also rejects duplicate series -- the same sample name with the same label set twice -- which
that parser does not report (it silently drops a repeat that follows the first directly). Prints nothing and exits 0 when the exposition is valid; prints the
problems to stderr and exits 1 otherwise (2 for a usage error).

Run it with the project's virtual environment (scripts/install-deps.sh --test creates it):
    .venv/bin/python scripts/check-openmetrics.py < metrics.txt
"""

import sys

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
except ImportError:
    sys.stderr.write(
        "check-openmetrics: prometheus_client is not installed; "
        "run scripts/install-deps.sh --test and use .venv/bin/python\n"
    )
    sys.exit(2)

try:  # private, but it is exactly how the strict parser reads a sample line
    from prometheus_client.openmetrics.parser import _parse_sample
except ImportError:
    _parse_sample = None


def read_input(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        sys.stderr.write(__doc__)
        sys.exit(2)
    if len(argv) == 1 or argv[1] == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(argv[1], "rb") as f:
            data = f.read()
    # OpenMetrics text is UTF-8; a decoding error is an invalid exposition, not a crash.
    return data.decode("utf-8")


def sample_key(line):
    """(name, labels, timestamp) of one sample line, parsed the way the strict parser does."""
    if _parse_sample is not None:
        sample = _parse_sample(line)
    else:  # a newer prometheus_client without the private helper: parse the line on its own
        sample = next(iter(text_string_to_metric_families(line + "\n# EOF\n"))).samples[0]
    timestamp = None if sample.timestamp is None else str(sample.timestamp)
    return sample.name, tuple(sorted(sample.labels.items())), timestamp


def check(text):
    """Returns a list of problems; empty when the exposition is valid."""
    try:
        for _ in text_string_to_metric_families(text):
            pass
    except Exception as error:  # the parser raises ValueError and friends
        return ["parse error: %s" % (str(error) or type(error).__name__ + " (no message)")]

    # The parser does not report a repeated series: it silently drops a repeat that directly
    # follows the first one (and rejects one further away as "Invalid metric grouping"). So
    # look at the sample lines themselves. Several MetricPoints of one series are legal only
    # with distinct timestamps, hence the timestamp in the key.
    problems = []
    first_line = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line or line.startswith("#"):
            continue
        try:
            key = sample_key(line)
        except Exception:  # only in the fallback; the strict parse above accepted the line
            continue
        if key in first_line:
            name, labels, _ = key
            rendered = "{%s}" % ",".join('%s="%s"' % item for item in labels) if labels else ""
            problems.append(
                "duplicate series on line %d (first on line %d): %s%s"
                % (number, first_line[key], name, rendered)
            )
        else:
            first_line[key] = number
    return problems


def main(argv):
    try:
        text = read_input(argv)
    except UnicodeDecodeError as error:
        sys.stderr.write("check-openmetrics: not UTF-8: %s\n" % error)
        return 1
    except OSError as error:
        sys.stderr.write("check-openmetrics: %s\n" % error)
        return 2
    problems = check(text)
    for problem in problems:
        sys.stderr.write("check-openmetrics: %s\n" % problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
