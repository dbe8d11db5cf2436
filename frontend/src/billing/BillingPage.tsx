// The billing area. Its screens arrive with a later release; until then, its empty state.
import { AreaPlaceholder } from '../shell/AreaPlaceholder';

export function BillingPage() {
  return <AreaPlaceholder area="billing" />;
}
