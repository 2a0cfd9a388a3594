"""What the pages share: glue, panels and forms (modules, not pages: this folder is not listed)."""
