import { configuredDatabase, databaseUrl } from "../local-postgres"

describe("configuredDatabase", () => {
  it("reads every part of DATABASE_URL, decoding user and password", () => {
    expect(configuredDatabase({ DATABASE_URL: "postgres://shop%40owner:p%2Fss@db.internal:6543/medusa" })).toEqual({
      DB_HOST: "db.internal",
      DB_PORT: "6543",
      DB_USERNAME: "shop@owner",
      DB_PASSWORD: "p/ss",
    })
  })

  it("prefers DATABASE_URL over DB_* variables", () => {
    const db = configuredDatabase({ DATABASE_URL: "postgres://a@h1/x", DB_HOST: "h2", DB_PORT: "1" })
    expect(db).toMatchObject({ DB_HOST: "h1", DB_PORT: "5432" })
  })

  it("defaults to localhost (not 127.0.0.1: Medusa's test runner forces SSL otherwise)", () => {
    expect(configuredDatabase({})).toEqual({
      DB_HOST: "localhost",
      DB_PORT: "5432",
      DB_USERNAME: "postgres",
      DB_PASSWORD: "",
    })
  })
})

describe("databaseUrl", () => {
  it("round-trips through configuredDatabase", () => {
    const db = { DB_HOST: "localhost", DB_PORT: "54329", DB_USERNAME: "po:st", DB_PASSWORD: "p@ss word" }
    expect(configuredDatabase({ DATABASE_URL: databaseUrl(db, "demo") })).toEqual(db)
  })

  it("leaves the password out when there is none", () => {
    expect(databaseUrl({ DB_HOST: "localhost", DB_PORT: "5432", DB_USERNAME: "postgres", DB_PASSWORD: "" }, "x")).toBe(
      "postgres://postgres@localhost:5432/x"
    )
  })
})
