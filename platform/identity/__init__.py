"""Identity records: registered API clients. Platform layer: imports nothing above platform."""
