; Chelal's Windows installer (NSIS 3, built on Linux by build/dist.sh with Debian's makensis).
; Per-user: no administrator needed, installs to %LOCALAPPDATA%\Programs\Chelal, a Start menu
; entry, and an uninstaller that removes the program and never the clinic's data (kept in
; %APPDATA%\Chelal, where Chelal keeps its data on Windows).
Unicode true
SetCompressor /SOLID lzma
RequestExecutionLevel user
!ifndef VERSION
  !define VERSION "dev"
!endif
!ifndef EXE
  !define EXE "chelal.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "chelal-setup.exe"
!endif

Name "Chelal"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\Chelal"
InstallDirRegKey HKCU "Software\Chelal" "InstallDir"
BrandingText "Chelal ${VERSION}"
ShowInstDetails show
; No file times in the installer: the same executable gives the same installer (reproducible).
SetDateSave off

!include "MUI2.nsh"
!define MUI_FINISHPAGE_RUN "$INSTDIR\chelal.exe"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "French"

; WebView2 draws the window. Windows 11 and an updated Windows 10 have it. Without internet the
; installer cannot fetch it: it says so, installs Chelal anyway, and the clinic either installs
; the Evergreen Standalone Installer from a USB stick or uses Chelal in a browser (chelal.exe
; serve, see the README) until then.
Function CheckWebView2
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}" "pv"
  StrCmp $0 "" 0 found
  ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}" "pv"
  StrCmp $0 "" 0 found
  MessageBox MB_ICONINFORMATION|MB_OK "Chelal's window needs Microsoft Edge WebView2, which this computer does not have.$\r$\n$\r$\nInstall the 'WebView2 Evergreen Standalone Installer' (from a USB stick: it needs no internet), then start Chelal. Chelal is installed now; until then, the clinic's other computers can still use it in a browser."
  found:
FunctionEnd

Section "Chelal" SecMain
  Call CheckWebView2
  SetOutPath "$INSTDIR"
  File "/oname=chelal.exe" "${EXE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateDirectory "$SMPROGRAMS\Chelal"
  CreateShortCut "$SMPROGRAMS\Chelal\Chelal.lnk" "$INSTDIR\chelal.exe"
  CreateShortCut "$SMPROGRAMS\Chelal\Uninstall Chelal.lnk" "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "Software\Chelal" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Chelal" "DisplayName" "Chelal"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Chelal" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Chelal" "Publisher" "Chelal"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Chelal" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Chelal" "NoModify" 1
  WriteRegDWORD HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Chelal" "NoRepair" 1
SectionEnd

; The uninstaller removes the program only: the clinic's records, backups and keys in
; %APPDATA%\Chelal stay (a reinstall finds them).
Section "Uninstall"
  Delete "$INSTDIR\chelal.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\Chelal\Chelal.lnk"
  Delete "$SMPROGRAMS\Chelal\Uninstall Chelal.lnk"
  RMDir "$SMPROGRAMS\Chelal"
  DeleteRegKey HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Chelal"
  DeleteRegKey HKCU "Software\Chelal"
  MessageBox MB_ICONINFORMATION|MB_OK "Chelal is removed. The clinic's records and backups are kept in $APPDATA\Chelal."
SectionEnd
