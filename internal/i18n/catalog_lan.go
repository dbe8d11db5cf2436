package i18n

// The LAN welcome page (internal/lan), served over plain HTTP to a workstation that has not
// installed the clinic's CA yet. Kept in its own file and merged into the catalogs at start, so
// that the three catalogs stay complete (TestCatalogsComplete) without touching theirs.
func init() { merge(lanEN, lanFR, lanSW) }

// merge adds a part's texts in English, French and Swahili to the catalogs.
func merge(en, fr, sw map[string]string) {
	for lang, texts := range map[Lang]map[string]string{EN: en, FR: fr, SW: sw} {
		for k, v := range texts {
			catalogs[lang][k] = v
		}
	}
}

var lanEN = map[string]string{
	"welcome.title":         "Connect this computer to Chelal",
	"welcome.intro":         "Chelal encrypts everything it sends on the clinic's network with a certificate from the clinic's own authority. Install that authority once on this computer (or phone), then open Chelal with https.",
	"welcome.step_download": "Download the clinic's certificate authority:",
	"welcome.download":      "Download the certificate",
	"welcome.step_check":    "Before installing it, check that its SHA-256 fingerprint is exactly the one shown on the Chelal computer (\"This computer\" screen, or `chelal lan info`). If it differs, do not install it and tell the administrator:",
	"welcome.step_install":  "Install it as a trusted authority (choose this computer's system):",
	"welcome.step_open":     "Open Chelal (close and reopen the browser first):",
	"welcome.no_data":       "This page holds no patient data. Chelal answers only over https on this network.",
	"welcome.windows":       "Windows (Edge, Chrome)",
	"welcome.windows_steps": "Open the downloaded chelal-ca.crt and click \"Install Certificate\".|Choose \"Local Machine\" (or \"Current User\"), then \"Place all certificates in the following store\".|Click \"Browse\", choose \"Trusted Root Certification Authorities\", then Next and Finish.|Answer Yes to the security warning after checking the fingerprint.",
	"welcome.macos":         "macOS (Safari, Chrome)",
	"welcome.macos_steps":   "Open the downloaded chelal-ca.crt: Keychain Access adds it to the System keychain.|Double-click \"Chelal clinic CA\" in the list, open \"Trust\".|Set \"When using this certificate\" to \"Always Trust\", close the window and confirm with your password.",
	"welcome.linux":         "Linux (Chromium, Chrome)",
	"welcome.linux_steps":   "In the browser, open Settings, Privacy and security, Security, Manage certificates.|Open \"Authorities\" and click \"Import\"; choose chelal-ca.crt.|Tick \"Trust this certificate for identifying websites\" and click OK.",
	"welcome.android":       "Android",
	"welcome.android_steps": "Open Settings, Security (or Security and privacy), More security settings, Encryption and credentials.|Tap \"Install a certificate\", then \"CA certificate\", and \"Install anyway\".|Choose the downloaded chelal-ca.crt.",
	"welcome.ios":           "iPhone and iPad",
	"welcome.ios_steps":     "Open this page in Safari and tap the download button; allow the configuration profile.|Open Settings, \"Profile Downloaded\", tap Install and enter the passcode.|Open Settings, General, About, Certificate Trust Settings, and turn on full trust for \"Chelal clinic CA\".",
	"welcome.firefox":       "Firefox (any system)",
	"welcome.firefox_steps": "Open Settings, Privacy & Security, Certificates, View Certificates.|Open \"Authorities\", click \"Import\" and choose chelal-ca.crt.|Tick \"Trust this CA to identify websites\" and click OK.",
}

var lanFR = map[string]string{
	"welcome.title":         "Connecter cet ordinateur à Chelal",
	"welcome.intro":         "Chelal chiffre tout ce qu'il envoie sur le réseau de la clinique avec un certificat de l'autorité propre à la clinique. Installez cette autorité une fois sur cet ordinateur (ou ce téléphone), puis ouvrez Chelal en https.",
	"welcome.step_download": "Téléchargez l'autorité de certification de la clinique :",
	"welcome.download":      "Télécharger le certificat",
	"welcome.step_check":    "Avant de l'installer, vérifiez que son empreinte SHA-256 est exactement celle affichée sur l'ordinateur de Chelal (écran « Cet ordinateur », ou `chelal lan info`). Si elle diffère, ne l'installez pas et prévenez l'administrateur :",
	"welcome.step_install":  "Installez-la comme autorité de confiance (choisissez le système de cet ordinateur) :",
	"welcome.step_open":     "Ouvrez Chelal (fermez et rouvrez d'abord le navigateur) :",
	"welcome.no_data":       "Cette page ne contient aucune donnée de patient. Sur ce réseau, Chelal ne répond qu'en https.",
	"welcome.windows":       "Windows (Edge, Chrome)",
	"welcome.windows_steps": "Ouvrez le fichier chelal-ca.crt téléchargé et cliquez sur « Installer le certificat ».|Choisissez « Ordinateur local » (ou « Utilisateur actuel »), puis « Placer tous les certificats dans le magasin suivant ».|Cliquez sur « Parcourir », choisissez « Autorités de certification racines de confiance », puis Suivant et Terminer.|Répondez Oui à l'avertissement de sécurité après avoir vérifié l'empreinte.",
	"welcome.macos":         "macOS (Safari, Chrome)",
	"welcome.macos_steps":   "Ouvrez le fichier chelal-ca.crt téléchargé : le Trousseau d'accès l'ajoute au trousseau Système.|Double-cliquez sur « Chelal clinic CA » dans la liste, ouvrez « Se fier ».|Réglez « Lors de l'utilisation de ce certificat » sur « Toujours approuver », fermez la fenêtre et confirmez avec votre mot de passe.",
	"welcome.linux":         "Linux (Chromium, Chrome)",
	"welcome.linux_steps":   "Dans le navigateur, ouvrez Paramètres, Confidentialité et sécurité, Sécurité, Gérer les certificats.|Ouvrez « Autorités » et cliquez sur « Importer » ; choisissez chelal-ca.crt.|Cochez « Faire confiance à ce certificat pour identifier les sites web » et cliquez sur OK.",
	"welcome.android":       "Android",
	"welcome.android_steps": "Ouvrez Paramètres, Sécurité (ou Sécurité et confidentialité), Autres paramètres de sécurité, Chiffrement et identifiants.|Touchez « Installer un certificat », puis « Certificat CA », et « Installer quand même ».|Choisissez le fichier chelal-ca.crt téléchargé.",
	"welcome.ios":           "iPhone et iPad",
	"welcome.ios_steps":     "Ouvrez cette page dans Safari et touchez le bouton de téléchargement ; autorisez le profil de configuration.|Ouvrez Réglages, « Profil téléchargé », touchez Installer et saisissez le code.|Ouvrez Réglages, Général, Informations, Réglages des certificats, et activez la confiance totale pour « Chelal clinic CA ».",
	"welcome.firefox":       "Firefox (tout système)",
	"welcome.firefox_steps": "Ouvrez Paramètres, Vie privée et sécurité, Certificats, Afficher les certificats.|Ouvrez « Autorités », cliquez sur « Importer » et choisissez chelal-ca.crt.|Cochez « Confirmer cette AC pour identifier des sites web » et cliquez sur OK.",
}

var lanSW = map[string]string{
	"welcome.title":         "Unganisha kompyuta hii na Chelal",
	"welcome.intro":         "Chelal husimba kila kitu inachotuma kwenye mtandao wa kliniki kwa cheti kutoka mamlaka ya kliniki yenyewe. Sakinisha mamlaka hiyo mara moja kwenye kompyuta hii (au simu hii), kisha ufungue Chelal kwa https.",
	"welcome.step_download": "Pakua mamlaka ya vyeti ya kliniki:",
	"welcome.download":      "Pakua cheti",
	"welcome.step_check":    "Kabla ya kukisakinisha, hakikisha alama yake ya SHA-256 ni sawa kabisa na ile inayoonyeshwa kwenye kompyuta ya Chelal (skrini ya \"Kompyuta hii\", au `chelal lan info`). Ikitofautiana, usikisakinishe na umjulishe msimamizi:",
	"welcome.step_install":  "Kisakinishe kama mamlaka inayoaminika (chagua mfumo wa kompyuta hii):",
	"welcome.step_open":     "Fungua Chelal (funga kivinjari na ukifungue tena kwanza):",
	"welcome.no_data":       "Ukurasa huu hauna data yoyote ya mgonjwa. Kwenye mtandao huu Chelal hujibu kwa https pekee.",
	"welcome.windows":       "Windows (Edge, Chrome)",
	"welcome.windows_steps": "Fungua faili chelal-ca.crt uliyopakua na ubofye \"Install Certificate\".|Chagua \"Local Machine\" (au \"Current User\"), kisha \"Place all certificates in the following store\".|Bofya \"Browse\", chagua \"Trusted Root Certification Authorities\", kisha Next na Finish.|Jibu Yes kwenye onyo la usalama baada ya kuhakiki alama.",
	"welcome.macos":         "macOS (Safari, Chrome)",
	"welcome.macos_steps":   "Fungua faili chelal-ca.crt uliyopakua: Keychain Access huiongeza kwenye keychain ya System.|Bofya mara mbili \"Chelal clinic CA\" kwenye orodha, fungua \"Trust\".|Weka \"When using this certificate\" kuwa \"Always Trust\", funga dirisha na uthibitishe kwa nenosiri lako.",
	"welcome.linux":         "Linux (Chromium, Chrome)",
	"welcome.linux_steps":   "Kwenye kivinjari, fungua Settings, Privacy and security, Security, Manage certificates.|Fungua \"Authorities\" na ubofye \"Import\"; chagua chelal-ca.crt.|Weka alama kwenye \"Trust this certificate for identifying websites\" na ubofye OK.",
	"welcome.android":       "Android",
	"welcome.android_steps": "Fungua Settings, Security (au Security and privacy), More security settings, Encryption and credentials.|Gusa \"Install a certificate\", kisha \"CA certificate\", na \"Install anyway\".|Chagua faili chelal-ca.crt uliyopakua.",
	"welcome.ios":           "iPhone na iPad",
	"welcome.ios_steps":     "Fungua ukurasa huu kwenye Safari na uguse kitufe cha kupakua; ruhusu wasifu wa usanidi.|Fungua Settings, \"Profile Downloaded\", gusa Install na uweke nambari ya siri.|Fungua Settings, General, About, Certificate Trust Settings, na uwashe uaminifu kamili kwa \"Chelal clinic CA\".",
	"welcome.firefox":       "Firefox (mfumo wowote)",
	"welcome.firefox_steps": "Fungua Settings, Privacy & Security, Certificates, View Certificates.|Fungua \"Authorities\", bofya \"Import\" na uchague chelal-ca.crt.|Weka alama kwenye \"Trust this CA to identify websites\" na ubofye OK.",
}
