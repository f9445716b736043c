; Inno Setup 6 script: a per-user installer (no administrator rights) for the one-folder build.
;
;   python packaging\build.py                      builds, tests, writes build\branding.iss, runs ISCC
;   iscc packaging\windows\normdesk.iss            by hand, after `pyinstaller normdesk.spec` and
;                                                  `python packaging\branding.py iss > build\branding.iss`
;
; Installs dist\<name>\ into %LOCALAPPDATA%\Programs\<name>, a Start-menu entry (and an optional
; desktop icon), and an uninstaller (Settings > Apps). normdesk.exe is the window; normdesk-cli.exe
; beside it is the command line (console build). The data folder (jobs, settings) is left on
; uninstall. Names, version, AppId and icon come from the branding file via build\branding.iss.

#ifndef BrandingFile
  #define BrandingFile AddBackslash(SourcePath) + "..\..\build\branding.iss"
#endif
#include BrandingFile

#define AppExe Brand_name + ".exe"
; The one-folder build to package, and where the installer goes (build.py passes both with /D).
#ifndef SourceDir
  #define SourceDir Brand_root + "\dist\" + Brand_name
#endif
#ifndef OutputDir
  #define OutputDir Brand_root + "\dist"
#endif

[Setup]
AppId={#Brand_windows_app_id}
AppName={#Brand_display_name}
AppVersion={#Brand_version}
AppVerName={#Brand_display_name} {#Brand_version}
AppPublisher={#Brand_publisher}
AppPublisherURL={#Brand_homepage}
VersionInfoVersion={#Brand_version}
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#Brand_name}
DefaultGroupName={#Brand_display_name}
DisableProgramGroupPage=yes
OutputDir={#OutputDir}
OutputBaseFilename={#Brand_name}-{#Brand_version}-windows-setup
SetupIconFile={#Brand_icon_ico}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#Brand_display_name}
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#Brand_display_name}"; Filename: "{app}\{#AppExe}"; Comment: "{#Brand_summary}"
Name: "{autodesktop}\{#Brand_display_name}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#Brand_display_name}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Python byte-code caches written next to the app, if any; never the user's data folder.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
