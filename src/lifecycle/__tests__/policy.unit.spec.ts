import { parseLifecyclePolicy } from "../policy"

describe("the plugin's lifecycle options", () => {
  it("refuse a misspelled option, naming the closest known one", () => {
    expect(() => parseLifecyclePolicy({ captureOnn: "fulfillment" })).toThrow(/captureOnn: unknown option; did you mean "captureOn"\?/)
    expect(parseLifecyclePolicy({ captureOn: "shipment" })).toMatchObject({ captureOn: "shipment", refundOnReturn: true })
  })
})
