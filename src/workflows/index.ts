// The plugin's public workflows (the package's "./workflows" export); each lifecycle workflow is
// re-exported here as it is added.
export {}
