"""Critical appraisal and data extraction, framework-free: answer vocabulary, scales and
summaries (`answers`), checklists and forms as text or builder rows (`definitions`), the
built-in checklists and the library of tools (`checklists`, `library`), the tools' published
judgement algorithms (`algorithms`) and the robvis-style figures (`figures`, matplotlib)."""
