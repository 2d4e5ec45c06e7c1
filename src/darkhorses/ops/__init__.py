"""Operations: status, inventory, health and the scheduler worker."""
