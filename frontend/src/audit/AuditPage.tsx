// The audit area. Its screens arrive with a later release; until then, its empty state.
import { AreaPlaceholder } from '../shell/AreaPlaceholder';

export function AuditPage() {
  return <AreaPlaceholder area="audit" />;
}
