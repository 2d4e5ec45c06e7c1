"""Database: schema, engines, migrations and upserts."""
