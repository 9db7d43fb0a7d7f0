export { describeConnectorConformance, type ConformanceCurrency, type ConformanceHarness } from "./suite"
