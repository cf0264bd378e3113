"""Contracts: the pydantic models that cross service boundaries. Import them from their modules
(``gbi_shared.contracts.huishouden`` and so on); each module belongs to the boundary it names."""
