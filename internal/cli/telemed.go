package cli

import (
	"chelal/internal/config"
	"chelal/internal/telemed"
)

// iceServers are the TURN/STUN servers video calls are given (CHELAL_TURN_URL); none by
// default: browsers on the LAN connect by their host candidates, nothing leaves the clinic.
func iceServers(cfg *config.Config) []telemed.ICEServer {
	if len(cfg.TURNURLs) == 0 {
		return nil
	}
	return []telemed.ICEServer{{URLs: cfg.TURNURLs, Username: cfg.TURNUser, Credential: cfg.TURNPassword}}
}
