"""Database layer: declarative base, engines and sessions, migrations. Imports nothing above platform."""
