"""An offline Racing API: a deterministic synthetic racing world served over the real contract."""
