; Inno Setup 6 script: the Windows installer of Hotspot Manager (see docs/packaging.md).
;
; Built by .github/workflows/windows.yml after `python packaging/build.py prepare bundle`:
;   ISCC.exe packaging\windows\hotspot-manager.iss
; -> dist\hotspot-manager-VERSION-windows-x64-setup.exe
;
; Capturing on Windows needs Npcap (https://npcap.com). Npcap's licence does not allow
; bundling it in a free redistributable installer, and a driver should be installed by the
; user knowingly: this installer only detects it and, when it is missing, explains what to
; do and offers to open the Npcap download page. It never installs Npcap, silently or not.

#include "..\..\build\packaging\version.iss"
#define AppName "Hotspot Manager"
#define AppExe "hotspot-manager.exe"
#define NpcapUrl "https://npcap.com/#download"

[Setup]
; AppId identifies the installation for upgrades and uninstallation: never change it.
AppId={{2A7929A1-0F5E-402F-B25B-F6927DD268C9}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Hotspot Manager developers
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Program Files for every user of the laptop; the data stays per user, in
; %LOCALAPPDATA%\hotspot-manager, and is never removed by the uninstaller.
PrivilegesRequired=admin
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=hotspot-manager-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\build\packaging\icons\hotspot-manager.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=auto
CloseApplications=yes

[Languages]
Name: "es"; MessagesFile: "compiler:Languages\Spanish.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
en.NpcapTitle=Npcap is needed to count traffic
es.NpcapTitle=Hace falta Npcap para contar el tráfico
en.NpcapSubtitle=Npcap was not found on this computer.
es.NpcapSubtitle=No se encontró Npcap en esta computadora.
en.NpcapText=Hotspot Manager counts every device's traffic with Npcap, the packet capture driver of the Nmap project (the one Wireshark uses). It is not installed here, and this installer does not install it for you: it is a system driver, and its licence asks that you get it from its authors.%n%nWithout Npcap, everything works except live counting: importing capture files, reports, customers and bills.%n%nTo count live traffic:%n  1. Download the Npcap installer from https://npcap.com (Download section).%n  2. Run it and keep the default options. If you tick "Restrict Npcap driver's access to Administrators only", Hotspot Manager must then be run as administrator to count.%n  3. Start Hotspot Manager (no need to reinstall it).%n%nThe last page of this installer can open the Npcap download page for you.
es.NpcapText=Hotspot Manager cuenta el tráfico de cada dispositivo con Npcap, el controlador de captura de paquetes del proyecto Nmap (el que usa Wireshark). No está instalado, y este instalador no lo instala por usted: es un controlador del sistema, y su licencia pide que lo obtenga de sus autores.%n%nSin Npcap funciona todo salvo el conteo en vivo: importar capturas, informes, clientes y facturas.%n%nPara contar el tráfico en vivo:%n  1. Descargue el instalador de Npcap de https://npcap.com (sección Download).%n  2. Ejecútelo y deje las opciones por defecto. Si marca "Restrict Npcap driver's access to Administrators only", Hotspot Manager tendrá que ejecutarse como administrador para contar.%n  3. Abra Hotspot Manager (no hace falta reinstalarlo).%n%nLa última página de este instalador puede abrir la página de descarga de Npcap.
en.OpenNpcapPage=Open the Npcap download page (https://npcap.com)
es.OpenNpcapPage=Abrir la página de descarga de Npcap (https://npcap.com)
en.DemoShortcut=Hotspot Manager (demo)
es.DemoShortcut=Hotspot Manager (demostración)

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\hotspot-manager\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autoprograms}\{cm:DemoShortcut}"; Filename: "{app}\{#AppExe}"; Parameters: "demo"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
; Only opens a web page in the browser, and only when Npcap is missing; the user installs it.
Filename: "{#NpcapUrl}"; Description: "{cm:OpenNpcapPage}"; Flags: postinstall shellexec skipifsilent nowait; Check: not NpcapInstalled
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: postinstall skipifsilent nowait

[Code]
{ Npcap registers itself under HKLM\SOFTWARE\Npcap (its installer is 32-bit, so on 64-bit
  Windows the key may be in either registry view) and as the service "npcap". }
function NpcapInstalled: Boolean;
begin
  Result := RegKeyExists(HKLM32, 'SOFTWARE\Npcap')
    or (IsWin64 and RegKeyExists(HKLM64, 'SOFTWARE\Npcap'))
    or RegKeyExists(HKLM, 'SYSTEM\CurrentControlSet\Services\npcap');
end;

var
  NpcapPage: TOutputMsgWizardPage;

procedure InitializeWizard;
begin
  if not NpcapInstalled then
    NpcapPage := CreateOutputMsgPage(wpSelectTasks,
      CustomMessage('NpcapTitle'), CustomMessage('NpcapSubtitle'), CustomMessage('NpcapText'));
end;

function UpdateReadyMemo(Space, NewLine, MemoUserInfoInfo, MemoDirInfo, MemoTypeInfo,
  MemoComponentsInfo, MemoGroupInfo, MemoTasksInfo: String): String;
begin
  Result := MemoDirInfo + NewLine + NewLine + MemoTasksInfo;
  if not NpcapInstalled then
    Result := Result + NewLine + NewLine + CustomMessage('NpcapSubtitle') + NewLine + Space
      + 'https://npcap.com';
end;
