package update

import (
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"errors"
	"fmt"
	"io"
	"runtime"

	"chelal/internal/apperr"
)

// Platform is this build's platform as signatures name it: GOOS/GOARCH.
func Platform() string { return runtime.GOOS + "/" + runtime.GOARCH }

// errNotProgram is the refusal of a file that is no executable Chelal could run.
var errNotProgram = errors.New("not an executable program (ELF, PE or Mach-O)")

// DetectPlatform reads the executable's headers (ELF, PE or Mach-O) and returns the platform
// it runs on, as GOOS/GOARCH. The signature already names the platform; the headers are read
// besides, so that a file signed for the wrong platform by mistake still cannot replace the
// running executable with something that does not start.
func DetectPlatform(r io.ReaderAt) (string, error) {
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return "", errNotProgram
	}
	switch {
	case string(magic[:]) == elf.ELFMAG:
		f, err := elf.NewFile(r)
		if err != nil {
			return "", fmt.Errorf("%w: %v", errNotProgram, err)
		}
		if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
			return "", errNotProgram
		}
		goos := "linux"
		switch f.OSABI {
		case elf.ELFOSABI_NONE, elf.ELFOSABI_LINUX:
		case elf.ELFOSABI_FREEBSD:
			goos = "freebsd"
		default:
			return "", fmt.Errorf("%w: ELF for OS ABI %v", errNotProgram, f.OSABI)
		}
		arch, ok := map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64", elf.EM_386: "386",
			elf.EM_ARM: "arm", elf.EM_RISCV: "riscv64"}[f.Machine]
		if !ok {
			return "", fmt.Errorf("%w: ELF for %v", errNotProgram, f.Machine)
		}
		return goos + "/" + arch, nil
	case magic[0] == 'M' && magic[1] == 'Z':
		f, err := pe.NewFile(r)
		if err != nil {
			return "", fmt.Errorf("%w: %v", errNotProgram, err)
		}
		if f.Characteristics&pe.IMAGE_FILE_EXECUTABLE_IMAGE == 0 || f.Characteristics&pe.IMAGE_FILE_DLL != 0 {
			return "", errNotProgram
		}
		arch, ok := map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64",
			pe.IMAGE_FILE_MACHINE_I386: "386"}[f.Machine]
		if !ok {
			return "", fmt.Errorf("%w: PE for machine %#x", errNotProgram, f.Machine)
		}
		return "windows/" + arch, nil
	default:
		f, err := macho.NewFile(r)
		if err != nil {
			return "", errNotProgram // also a universal (fat) binary: Chelal ships one per architecture
		}
		if f.Type != macho.TypeExec {
			return "", errNotProgram
		}
		arch, ok := map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
		if !ok {
			return "", fmt.Errorf("%w: Mach-O for %v", errNotProgram, f.Cpu)
		}
		return "darwin/" + arch, nil
	}
}

// checkPlatform refuses a candidate whose headers are not of platform.
func checkPlatform(r io.ReaderAt, platform string) error {
	got, err := DetectPlatform(r)
	if err != nil {
		return apperr.Wrap(apperr.ErrInvalid, err,
			"The file is not a program Chelal can run (a damaged copy, or the installer or package instead of the executable). Nothing was replaced.").WithCode("update-not-program")
	}
	if got != platform {
		return apperr.Errorf(apperr.ErrInvalid,
			"This executable is for %s; this Chelal runs on %s: choose the file made for %s. Nothing was replaced.",
			platformName(got), platformName(platform), platformName(platform)).WithCode("update-platform")
	}
	return nil
}
