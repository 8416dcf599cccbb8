// Nothing to import: this module only defines the executable's entry point.
