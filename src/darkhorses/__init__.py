"""DarkHorses: a complete, current UK & Irish racing database from The Racing API."""

__version__ = "0.1.0"
