"""An embedded cluster: a Kubernetes object store, Flagger's scheduler, examiner apps and load generators."""
