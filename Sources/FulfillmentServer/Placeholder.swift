import Mustache
import Prometheus
import Metrics
