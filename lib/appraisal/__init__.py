"""Critical appraisal and data extraction, framework-free: answer vocabulary and summaries
(`answers`), checklists and forms as text (`definitions`), the built-in checklists
(`checklists`) and the robvis-style figures (`figures`, matplotlib)."""
