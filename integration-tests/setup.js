// Each test file loads Medusa's models afresh; clear MikroORM's global metadata between them.
const { MetadataStorage } = require("@medusajs/framework/mikro-orm/core")

MetadataStorage.clear()

// Medusa logs every boot step at info level; keep test output to what matters (override with LOG_LEVEL=info).
process.env.LOG_LEVEL = process.env.LOG_LEVEL || "error"
