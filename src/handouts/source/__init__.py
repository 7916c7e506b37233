"""The files a project is made of, read and validated: YAML with line numbers, the schema, the handout
model and its blocks, placeholders, languages, fonts, images, contrast."""
