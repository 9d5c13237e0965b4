"""A HelmRelease like the seed's examiner.yaml, with the things an editor can break: comments (whole-line and after
values), blank lines, double-, single- and unquoted values, and the seed's emoji ECHO_VALUE."""

FILE = "manifests/cluster/apps/examiner.yaml"
OLD_ECHO = "⛈ NRW Rockx aber sowas von 🤘"

TEXT = """\
# The app under test. A new ECHO_VALUE is a release; SERVER_ERROR_RATE above 0 makes it a faulty one.
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: examiner
  namespace: apps

spec:
  interval: 1m   # how often Flux reconciles
  releaseName: examiner
  chart:
    spec:
      chart: ./manifests/charts/examiner
      # rebuild the chart on every commit, not only when its version changes
      reconcileStrategy: Revision
      sourceRef:
        kind: GitRepository
        name: flux-system
  values:
    configuration:
      # what the app answers with
      ECHO_VALUE: "⛈ NRW Rockx aber sowas von 🤘"   # the current release
      SERVER_ERROR_RATE: "0"

      REQUEST_DELAY: 100..250
      LOG_METHODS: 'GET,POST'
    ingress:
      enabled: true
    canary:
      enabled: false
      # gatewayapi (HTTPRoute) or smi (TrafficSplit)
      router: gatewayapi
"""
