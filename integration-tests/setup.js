// Each test file loads Medusa's models afresh; clear MikroORM's global metadata between them.
const { MetadataStorage } = require("@medusajs/framework/mikro-orm/core")

MetadataStorage.clear()
